"""The real nodes' images, built offline (no registry is reachable): `registry.k8s.io/pause:3.10`
and `docker.io/library/busybox:1.36`, both one layer holding Debian's static busybox, written as
OCI image archives that `ctr images import` takes. Pods use them with `imagePullPolicy:
IfNotPresent`. The archives are built once per machine into a cache directory (under a lock:
concurrent sessions share them)."""

from __future__ import annotations

import fcntl
import hashlib
import io
import json
import os
import tarfile
from pathlib import Path

BUSYBOX = Path("/bin/busybox")
PAUSE_IMAGE = "registry.k8s.io/pause:3.10"
BUSYBOX_IMAGE = "docker.io/library/busybox:1.36"
CACHE = Path("/var/tmp/kopscheck-realnode-images-v1")
APPLETS = [
    "sh",
    "cat",
    "date",
    "echo",
    "grep",
    "hostname",
    "httpd",
    "ip",
    "ls",
    "mkdir",
    "nc",
    "nslookup",
    "ping",
    "ps",
    "sed",
    "sleep",
    "timeout",
    "tr",
    "wget",
    "head",
    "tail",
    "cut",
]
LAYER_MEDIA = "application/vnd.oci.image.layer.v1.tar"
CONFIG_MEDIA = "application/vnd.oci.image.config.v1+json"
MANIFEST_MEDIA = "application/vnd.oci.image.manifest.v1+json"


def _entry(archive: tarfile.TarFile, name: str, data: bytes = b"", **kind: object) -> None:
    info = tarfile.TarInfo(name)
    info.mtime = 0
    for key, value in kind.items():
        setattr(info, key, value)
    info.size = len(data) if info.type == tarfile.REGTYPE else 0
    archive.addfile(info, io.BytesIO(data) if info.type == tarfile.REGTYPE else None)


def _rootfs_layer() -> bytes:
    """/bin/busybox, its applets as symlinks, /etc/passwd and /tmp: a deterministic tar."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as layer:
        for directory in ("bin", "etc", "tmp"):
            _entry(
                layer, directory, type=tarfile.DIRTYPE, mode=0o1777 if directory == "tmp" else 0o755
            )
        _entry(layer, "bin/busybox", BUSYBOX.read_bytes(), mode=0o755)
        for applet in APPLETS:
            _entry(layer, f"bin/{applet}", type=tarfile.SYMTYPE, linkname="busybox", mode=0o777)
        passwd = b"root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n"
        _entry(layer, "etc/passwd", passwd, mode=0o644)
    return buffer.getvalue()


def _digest(blob: bytes) -> str:
    return "sha256:" + hashlib.sha256(blob).hexdigest()


def _write_archive(path: Path, name: str, layer: bytes, command: list[str]) -> None:
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {"Cmd": command, "Env": ["PATH=/bin"]},
            "rootfs": {"type": "layers", "diff_ids": [_digest(layer)]},
        }
    ).encode()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": MANIFEST_MEDIA,
            "config": {"mediaType": CONFIG_MEDIA, "digest": _digest(config), "size": len(config)},
            "layers": [{"mediaType": LAYER_MEDIA, "digest": _digest(layer), "size": len(layer)}],
        }
    ).encode()
    annotations = {
        "io.containerd.image.name": name,
        "org.opencontainers.image.ref.name": name.rsplit(":", 1)[1],
    }
    index = json.dumps(
        {
            "schemaVersion": 2,
            "manifests": [
                {
                    "mediaType": MANIFEST_MEDIA,
                    "digest": _digest(manifest),
                    "size": len(manifest),
                    "annotations": annotations,
                }
            ],
        }
    ).encode()
    partial = path.with_suffix(f".{os.getpid()}.part")
    with tarfile.open(partial, "w") as archive:
        _entry(archive, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}', mode=0o644)
        _entry(archive, "index.json", index, mode=0o644)
        for blob in (layer, config, manifest):
            _entry(archive, "blobs/sha256/" + _digest(blob)[7:], blob, mode=0o644)
    partial.rename(path)


def image_archives(cache: Path = CACHE) -> list[Path]:
    """The pause and busybox archives, built on first use."""
    cache.mkdir(parents=True, exist_ok=True)
    wanted = {cache / "pause.tar": (PAUSE_IMAGE, ["sleep", "2147483647"])}
    wanted[cache / "busybox.tar"] = (BUSYBOX_IMAGE, ["sh"])
    with (cache / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not all(path.is_file() for path in wanted):
            layer = _rootfs_layer()
            for path, (name, command) in wanted.items():
                _write_archive(path, name, layer, command)
    return list(wanted)
