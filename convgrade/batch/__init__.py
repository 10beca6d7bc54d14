"""Grade a whole class: parallel, resumable, one gradebook writer, local or Dask."""
