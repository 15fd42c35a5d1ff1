/*
B0:
  B0 -> B2 true [x]
  B0 -> B3 false [x]
B2: left()
  B2 -> B4 fall
B3: right()
  B3 -> B4 fall
B4: use(x ? left() : right()); return (end)
  B4 -> exit return
*/
void f(int x)
{
	use(x ? left() : right());
}
