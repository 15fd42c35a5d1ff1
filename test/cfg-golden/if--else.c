/*
B0: a()
  B0 -> B2 true [x]
  B0 -> B3 false [x]
B2: b()
  B2 -> B4 fall
B3: c()
  B3 -> B4 fall
B4: d(); return (end)
  B4 -> exit return
*/
void f(int x)
{
	a();
	if (x)
		b();
	else
		c();
	d();
}
