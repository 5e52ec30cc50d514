#include <criterion/criterion.h>
Test(generate, placeholder) { cr_assert(1); }
