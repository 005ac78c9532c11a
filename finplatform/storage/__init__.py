"""Blob storage: one interface (`finplatform.storage.base.BlobStore`), two implementations.

`database` (the default) keeps blobs in the platform's database, inside the caller's
transaction; `s3` keeps them in an S3-compatible bucket. Model artifacts live here, and so do
uploaded documents. `finplatform.storage.wiring.blob_store()` is the app's store (README,
"Blob storage").
"""
