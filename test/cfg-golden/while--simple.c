/*
B0:
  B0 -> B2 fall
B2:
  B2 -> B3 true [n]
  B2 -> B4 false [n]
B3: $1 = step(n); n := $1
  B3 -> B2 back
B4: done(); return (end)
  B4 -> exit return
*/
void f(int n)
{
	while (n) {
		n = step(n);
	}
	done();
}
