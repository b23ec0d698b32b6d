"""The dataset pages: the list, one dataset at a version, and the diff of two versions."""
