/*
B0: a(); $2 = b(); v := $2
  B0 -> B2 true [v]
  B0 -> B3 false [v]
B2: c()
  B2 -> B4 fall
B3:
  B3 -> B4 fall
B4: return (end)
  B4 -> exit return
*/
void f(void)
{
	int v = ({ a(); b(); });

	if (v)
		c();
}
