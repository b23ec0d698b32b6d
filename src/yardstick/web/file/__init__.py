"""Files for the UI's pages: `/files/{id}/content` (the review screen's images)."""

# The types served inline and shown with an <img>: raster images only (an SVG is a document
# that can carry script, so it is an attachment like any other file).
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "image/avif"})
