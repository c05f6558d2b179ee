"""SCORM packages: upload, validation, storage and serving of SCORM 1.2 and 2004 zips.

Owns ``ScormPackage`` (what a trainer uploaded: its manifest's launchable SCOs, where its files
were unpacked) and the view that serves those files to signed-in people under ``/scorm/``. It
knows nothing about learners: the CMI data a learner's browser commits is a learning record and
lives in ``courses`` (``courses.scorm``).
"""
