/*
B0: a()
  B0 -> B2 true [#CONFIG_FOO]
  B0 -> B3 false [#CONFIG_FOO]
B2: foo()
  B2 -> B4 fall
B3: bar()
  B3 -> B4 fall
B4: b(); return (end)
  B4 -> exit return
*/
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
