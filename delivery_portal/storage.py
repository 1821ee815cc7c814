from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    """Hashed, compressed names after collectstatic (production); plain names before it.

    Without a manifest (dev server, tests) the files are served from the finders, so the
    unhashed name is the right one.
    """

    manifest_strict = False

    def stored_name(self, name):
        if not self.hashed_files:
            return name
        return super().stored_name(name)
