/*
B0:
  B0 -> B2 true [#CONFIG_FOO]
  B0 -> B3 false [#CONFIG_FOO]
B2: bar()
  B2 -> B4 fall
B3:
  B3 -> B4 fall
B4: b(); return (end)
  B4 -> exit return
*/
void f(void)
{
#ifndef CONFIG_FOO
	bar();
#endif
	b();
}
