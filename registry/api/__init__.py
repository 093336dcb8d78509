"""The HTTP surface: the API, the web page and (later) linked data."""
