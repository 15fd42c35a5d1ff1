/*
B0: a(); $2 = b()
  B0 -> B2 true [$2]
  B0 -> B3 false [$2]
B2: c()
  B2 -> B4 fall
B3:
  B3 -> B4 fall
B4: return (end)
  B4 -> exit return
*/
void f(void)
{
	if ((a(), b()))
		c();
}
