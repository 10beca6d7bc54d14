"""Puts FIFOs and a socket among its files, one named like an image the lesson ships."""
# attack: files
# expect: full-marks
# folder: fifo images/camera.png
# folder: fifo data.csv
# folder: socket kernel.sock
