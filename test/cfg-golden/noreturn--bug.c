/*
B0:
  B0 -> B2 true [x]
  B0 -> B3 false [x]
B2: BUG()
B3:
  B3 -> B4 fall
B4: a(); BUG()
B5 (unreachable): b(); return (end)
  B5 -> exit return
*/
void f(int x)
{
	if (x)
		BUG();
	a();
	BUG();
	b();
}
