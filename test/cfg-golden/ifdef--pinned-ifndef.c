/*
B0: b(); return (end)
  B0 -> exit return
*/
/* eqscheck-args: -D CONFIG_FOO */
/* The arm -D rules out is blanked before parsing (parser/live-arms): no block, no path. */
void f(void)
{
#ifndef CONFIG_FOO
	bar();
#endif
	b();
}
