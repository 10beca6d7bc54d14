"""The release exactly as handed out: nothing written."""
# base: release
# expect: zero
