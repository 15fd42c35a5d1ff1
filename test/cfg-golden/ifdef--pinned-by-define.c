/*
B0: a()
  B0 -> B2 true
B2: foo()
  B2 -> B4 fall
B3 (unreachable): bar()
  B3 -> B4 fall
B4: b(); return (end)
  B4 -> exit return
*/
/* eqscheck-args: -D CONFIG_FOO */
void f(void)
{
	a();
#ifdef CONFIG_FOO
	foo();
#else
	bar();
#endif
	b();
}
