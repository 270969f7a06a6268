"""A small closed-loop HTTP/1.1 load generator on raw asyncio streams.

Kept deliberately lean so that the client spends little of the machine's CPU: each of
N connections sends a request, reads the whole answer (headers + Content-Length body)
and sends the next, on one keep-alive connection. Latencies are per request.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    requests: int = 0
    seconds: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def non_2xx(self) -> int:
        return sum(n for s, n in self.statuses.items() if not 200 <= s < 300)

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


RequestFactory = Callable[[int, int], bytes]
"""(connection number, request number) -> the raw request bytes."""
ResponseHook = Callable[[float, int, bytes], None]
"""(perf_counter when the answer was read, status, body) for each answer."""


def request(method: str, path: str, host: str, headers: dict[str, str],
            body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: keep-alive"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body or method == "POST":
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _connection(host: str, port: int, number: int, make: RequestFactory,
                      deadline: float, result: LoadResult,
                      on_response: ResponseHook | None) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    sent = 0
    try:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            writer.write(make(number, sent))
            sent += 1
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            body = await reader.readexactly(length) if length else b""
            finished = time.perf_counter()
            if on_response is not None:
                on_response(finished, status, body)
            result.latencies.append(finished - started)
            result.statuses[status] = result.statuses.get(status, 0) + 1
            result.requests += 1
    finally:
        writer.close()


async def _run(host: str, port: int, connections: int, seconds: float,
               make: RequestFactory, on_response: ResponseHook | None) -> LoadResult:
    result = LoadResult()
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(_connection(host, port, n, make, deadline, result, on_response)
                           for n in range(connections)))
    result.seconds = time.perf_counter() - started
    return result


def run_load(host: str, port: int, *, connections: int, seconds: float,
             make: RequestFactory, on_response: ResponseHook | None = None) -> LoadResult:
    return asyncio.run(_run(host, port, connections, seconds, make, on_response))
