#define VERBOSE 0

void f(void)
{
	if (VERBOSE)
		trace();
	work();
}
