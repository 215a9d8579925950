"""The batch kernel: one season replication per thread, on CPU cores or a GPU.

``reelsim_kernel.c`` is the single source of the kernel, written in the part of C that is
also CUDA C++. It is compiled into the extension ``kernels._cpu`` when the package is
installed (``kernels.cpu`` runs it on threads) and by NVRTC at run time on a GPU
(``kernels.gpu``, through CuPy); ``kernels.nvrtc`` compiles the GPU form without a GPU,
as the tests do. ``kernels.layout`` reads the array layout from the source's own enums.
This package knows nothing of scenarios: arrays in, arrays out; ``simulator.engines.kernel``
packs a season model into the arrays and unpacks the results.
"""
