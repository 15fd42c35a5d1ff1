/*
B0:
  B0 -> B2 fall
B2: enter(); $2 = again()
  B2 -> B3 true [$2]
  B2 -> B4 false [$2]
B3:
  B3 -> B2 goto
B4:
  B4 -> B5 fall
B5: leave(); return (end)
  B5 -> exit return
*/
void f(void)
{
retry:
	enter();
	if (again())
		goto retry;
	leave();
}
