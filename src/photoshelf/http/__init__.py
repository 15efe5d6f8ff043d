"""What api, web and accounts answer alike: problems and error pages, uploads, links, headers."""
