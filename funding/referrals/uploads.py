"""Attachments as they arrive: the size is counted chunk by chunk, and a file past the limit is not kept.

Django stores an upload (in memory up to FILE_UPLOAD_MAX_MEMORY_SIZE, then in a temporary file) before any form
sees it. `SizeLimitedUploads`, put first among the request's upload handlers, counts each file's bytes as they
arrive; past ATTACHMENT_MAX_BYTES it stops handing them on (the rest of the file is read from the socket and
dropped) and the file becomes a `TooLargeUpload`, which holds no content and which the form refuses with its
size. The views that accept attachments set it up before the body is read (so they are CSRF-checked inside).
"""

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

from .models import ATTACHMENT_MAX_BYTES


class TooLargeUpload(UploadedFile):
    """A file refused while it arrived: its name and the bytes counted, no content."""

    def __init__(self, name: str, size: int, content_type: str | None):
        super().__init__(file=None, name=name, content_type=content_type, size=size)

    def open(self, mode=None):
        raise ValueError("a refused upload has no content")

    def read(self, *args, **kwargs):
        raise ValueError("a refused upload has no content")

    def seek(self, *args, **kwargs):
        raise ValueError("a refused upload has no content")

    def close(self):
        pass


class SizeLimitedUploads(FileUploadHandler):
    def __init__(self, request=None, limit: int = ATTACHMENT_MAX_BYTES):
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            return None  # the following handlers get nothing more of this file
        return raw_data

    def file_complete(self, file_size):
        if self.received > self.limit:
            return TooLargeUpload(self.file_name, self.received, self.content_type)
        return None  # the next handler (memory or temporary file) returns the file
