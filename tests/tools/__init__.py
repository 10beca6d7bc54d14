"""Developer tools: synthetic submissions, the sample class and the benchmark."""
