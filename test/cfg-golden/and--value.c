/*
B0:
  B0 -> B5 true [a]
  B0 -> B3 false [a]
B2: $1 := <const>
  B2 -> B4 fall
B3: $1 := <const>
  B3 -> B4 fall
B4: return $1
  B4 -> exit return
B5:
  B5 -> B2 true [b]
  B5 -> B3 false [b]
*/
int f(int a, int b)
{
	return a && b;
}
