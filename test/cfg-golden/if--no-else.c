/*
B0:
  B0 -> B2 true [x]
  B0 -> B3 false [x]
B2: b()
  B2 -> B4 fall
B3:
  B3 -> B4 fall
B4: d(); return (end)
  B4 -> exit return
*/
void f(int x)
{
	if (x < 0)
		b();
	d();
}
