/*
B0:
  B0 -> B2 true [a]
  B0 -> B5 false [a]
B2: either()
  B2 -> B4 fall
B3:
  B3 -> B4 fall
B4: after(); return (end)
  B4 -> exit return
B5: $1 = check()
  B5 -> B2 true [$1]
  B5 -> B3 false [$1]
*/
void f(int a)
{
	if (a || check())
		either();
	after();
}
