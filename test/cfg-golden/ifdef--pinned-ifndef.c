/*
B0:
  B0 -> B3 true
B2 (unreachable): bar()
  B2 -> B4 fall
B3:
  B3 -> B4 fall
B4: b(); return (end)
  B4 -> exit return
*/
/* eqscheck-args: -D CONFIG_FOO */
void f(void)
{
#ifndef CONFIG_FOO
	bar();
#endif
	b();
}
