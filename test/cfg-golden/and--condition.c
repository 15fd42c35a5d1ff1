/*
B0:
  B0 -> B5 true [a]
  B0 -> B3 false [a]
B2: both()
  B2 -> B4 fall
B3:
  B3 -> B4 fall
B4: after(); return (end)
  B4 -> exit return
B5:
  B5 -> B2 true [b]
  B5 -> B3 false [b]
*/
void f(int a, int b)
{
	if (a && b)
		both();
	after();
}
