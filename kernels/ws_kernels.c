/* The kernel table: one row per kernel. */
#include <string.h>

#include "ws_kernel.h"

static const ws_kernel *const kernels[] = {
    &ws_kernel_tf,
};

const ws_kernel *ws_kernel_find(const char *name)
{
    for (size_t i = 0; i < sizeof kernels / sizeof kernels[0]; i++)
        if (!strcmp(kernels[i]->name, name)) return kernels[i];
    return NULL;
}
