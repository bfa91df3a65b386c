"""The paradigms: dcot (tags, one stream per segment), g1 (one JSON step per call), direct."""
