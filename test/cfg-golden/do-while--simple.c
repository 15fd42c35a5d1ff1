/*
B0:
  B0 -> B2 fall
B2: a()
  B2 -> B3 fall
B3: $2 = more()
  B3 -> B2 back [$2]
  B3 -> B4 false [$2]
B4: b(); return (end)
  B4 -> exit return
*/
void f(void)
{
	do {
		a();
	} while (more());
	b();
}
