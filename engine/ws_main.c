/* placeholder main replaced by the CLI */
#include <stdio.h>
int main(void) { return 0; }
