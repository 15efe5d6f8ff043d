"""Static files: hashed names, gzip/brotli copies, and hashed names inside JavaScript imports too."""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    # The pages' scripts are ES modules that import each other: their `import ... from "./x.js"`
    # must name the hashed files, the only ones kept (WHITENOISE_KEEP_ONLY_HASHED_FILES).
    support_js_module_import_aggregation = True
