"""Content: the files on disk read and validated into the model (site.yaml, incidents,
their translations and internal files), each error located at its file and line."""
