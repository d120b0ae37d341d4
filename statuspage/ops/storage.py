"""The S3-compatible storage a site is published to, through boto3.

boto3 finds the credentials (environment, profile, instance role) and the endpoint
(``endpoint_url``, else ``AWS_ENDPOINT_URL_S3`` or ``AWS_ENDPOINT_URL``) itself; every
request has a bounded wait (``make_client``). ``explain`` turns boto3's exceptions into
what to fix, and whether trying again may help.
"""

from __future__ import annotations

import os

from statuspage.errors import PublishError, count

# Waits: a storage that accepts connections but never answers fails a request in
# CONNECT_TIMEOUT + READ_TIMEOUT per attempt, not minutes.
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 15
ATTEMPTS = 2  # botocore's, for each request (its own backoff between them)
# Error codes: the bucket, the credentials, and what is worth trying again.
CREDENTIALS = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken",
               "InvalidClientTokenId", "AuthorizationHeaderMalformed"}
TRANSIENT = {"SlowDown", "RequestTimeout", "Throttling", "ThrottlingException",
             "ServiceUnavailable", "InternalError"}


def make_client(endpoint_url: str | None = None):
    """boto3's S3 client: its credential chain; path-style addresses on another storage
    than AWS (MinIO and most others want them); checksums only where S3 requires them,
    since other storages may not know the newer ones."""
    import boto3
    from botocore.config import Config

    options: dict = {"retries": {"mode": "standard", "total_max_attempts": ATTEMPTS},
                     "connect_timeout": CONNECT_TIMEOUT, "read_timeout": READ_TIMEOUT}
    if endpoint_url or os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get(
            "AWS_ENDPOINT_URL"):
        options["s3"] = {"addressing_style": "path"}
    if "request_checksum_calculation" in Config.OPTION_DEFAULTS:  # botocore >= 1.36
        options["request_checksum_calculation"] = "when_required"
        options["response_checksum_validation"] = "when_required"
    return boto3.session.Session().client("s3", endpoint_url=endpoint_url or None,
                                          config=Config(**options))


def list_objects(client, bucket: str, prefix: str) -> dict[str, str]:
    """Every object under ``prefix``: key → its ETag (the MD5 of an object sent in one part)."""
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            found[item["Key"]] = item.get("ETag", "").strip('"')
    return found


def delete(client, bucket: str, keys: list[str]) -> None:
    """Delete the objects ``keys`` (at most 1000: one request)."""
    answer = client.delete_objects(Bucket=bucket, Delete={
        "Objects": [{"Key": key} for key in keys], "Quiet": True})
    errors = answer.get("Errors") or []
    if errors:
        first = errors[0]
        raise PublishError(f"could not delete {count(len(errors), 'stale object')}, e.g. "
                           f"{first.get('Key')}: {first.get('Code')}: {first.get('Message')}")


def explain(err: Exception, endpoint: str, bucket: str) -> tuple[str, bool]:
    """What ``err`` (boto3's, a PublishError, or an OSError reading a file) says to fix,
    and whether trying again may help."""
    from botocore import exceptions

    if isinstance(err, exceptions.NoCredentialsError | exceptions.PartialCredentialsError):
        return (f"no usable credentials ({err}): set AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run where an instance role "
                "applies"), False
    if isinstance(err, exceptions.ClientError):
        return _refused(err, endpoint, bucket)
    if isinstance(err, PublishError):
        return err.message, err.transient
    if isinstance(err, exceptions.ReadTimeoutError | exceptions.ConnectTimeoutError):
        return (f"the storage at {endpoint} did not answer in time ({err}; tried "
                f"{ATTEMPTS} times)"), True
    if isinstance(err, exceptions.ConnectionError | exceptions.HTTPClientError):
        return f"cannot reach the storage at {endpoint}: {err}", True
    if isinstance(err, exceptions.BotoCoreError):
        return f"s3://{bucket}: {err}", False
    if isinstance(err, OSError):
        # A local file gone: a build swapped in meanwhile, the next publish catches up.
        return f"cannot read {err.filename}: {err.strerror}", True
    raise TypeError(f"not a storage error: {err!r}")


def _refused(err, endpoint: str, bucket: str) -> tuple[str, bool]:
    """A request the storage answered with an error (a botocore ClientError)."""
    error = err.response.get("Error", {})
    code = str(error.get("Code", ""))
    detail = error.get("Message") or code
    status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    if code == "NoSuchBucket" or status == 404 and code in ("404", "NotFound"):
        return f"bucket {bucket!r} does not exist at {endpoint}", False
    if code in CREDENTIALS:
        return (f"{endpoint} refused the credentials ({code}: {detail}): check "
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE"), False
    if code in ("AccessDenied", "Forbidden", "403") or status == 403:
        return (f"access denied to s3://{bucket} ({detail}): the credentials need "
                "s3:ListBucket, s3:PutObject and s3:DeleteObject on it"), False
    return f"s3://{bucket}: {code}: {detail}", status >= 500 or code in TRANSIENT
