"""Keep CTranslate2's oneDNN kernels from caching one set per input shape.

oneDNN, inside CTranslate2, keeps every primitive it builds (a JIT-compiled
kernel and its buffers) in a cache of up to 1024, keyed by the input's
shape. Speech units are encoded at their own length, so nearly every decode
group has a shape of its own and is a new entry: about 1.6 MiB each, kept
for the life of the process. On a 60-minute monologue the heap in use grew
from 235 to 297 MiB through the speech pass, and the process's peak with it.
Encoding and decoding one clip at each of 121 lengths (3 to 27 s) took the
heap in use from 75 to 262 MiB with the cache, and kept it at 77 MiB
without (the loop took 211 s without, 229 s with, one run each; a whole
v02 run without diarization, alternated by hand, at most about 0.5 s more,
inside the noise). Without the cache a kernel is built again for every
call, but nearly every call has a shape of its own anyway (BENCHMARKS.md, "Memory: the kernel cache").

oneDNN reads this once, when it builds its first primitive, so it is set
when the package is imported, before any model loads. An operator may set
another capacity in the environment.
"""

import os

PRIMITIVE_CACHE_CAPACITY = "0"

os.environ.setdefault("ONEDNN_PRIMITIVE_CACHE_CAPACITY", PRIMITIVE_CACHE_CAPACITY)
