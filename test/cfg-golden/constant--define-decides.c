/*
B0:
  B0 -> B3 false
B2 (unreachable): trace()
  B2 -> B4 fall
B3:
  B3 -> B4 fall
B4: work(); return (end)
  B4 -> exit return
*/
#define VERBOSE 0

void f(void)
{
	if (VERBOSE)
		trace();
	work();
}
