"""A DNS server standing in for CoreDNS on the real-node tier, where no DNS image can be pulled
(the busybox-static build has no `dnsd`): a UDP responder on one of the host's addresses that
answers every A question with one address and every other question with no answer (NOERROR).

It is the Service's endpoint, not a pod: kube-proxy DNATs the kube-dns cluster IP to it, so a
node whose kube-proxy does not program the Service cannot reach it by that IP while reaching it
directly still works, which is what dns.resolution must tell apart (RFC 1035 message format).
"""

from __future__ import annotations

import socket
import struct
import threading
from types import TracebackType

A, IN = 1, 1
MAX_QUERY = 512  # RFC 1035 UDP messages


class DnsStandIn:
    """`with DnsStandIn(ip, answer) as server:` serves on ip:53 until the block ends."""

    def __init__(self, ip: str, answer: str, port: int = 53) -> None:
        self.ip, self.port = ip, port
        self.answer = socket.inet_aton(answer)
        self.questions: list[str] = []  # the names asked, for the test's own assertions
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> DnsStandIn:
        self._socket.bind((self.ip, self.port))
        self._socket.settimeout(0.2)
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._socket.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                query, peer = self._socket.recvfrom(MAX_QUERY)
            except TimeoutError:
                continue
            except OSError:
                return
            reply = self.reply(query)
            if reply is not None:
                self._socket.sendto(reply, peer)

    def reply(self, query: bytes) -> bytes | None:
        """The answer to one query; None for anything that is not one plain question."""
        if len(query) < 12:
            return None
        ident, flags, questions = struct.unpack("!HHH", query[:6])
        if flags & 0x8000 or questions != 1:
            return None
        end, labels = 12, []
        while end < len(query) and query[end] != 0:
            size = query[end]
            labels.append(query[end + 1 : end + 1 + size].decode("ascii", "replace"))
            end += 1 + size
        if end + 5 > len(query):
            return None
        kind, klass = struct.unpack("!HH", query[end + 1 : end + 5])
        question = query[12 : end + 5]
        self.questions.append(".".join(labels) + ".")
        answers = kind == A and klass == IN
        header = struct.pack("!HHHHHH", ident, 0x8180 | (flags & 0x0100), 1, int(answers), 0, 0)
        if not answers:
            return header + question
        record = struct.pack("!HHHIH", 0xC00C, A, IN, 30, 4) + self.answer
        return header + question + record
