/*
B0:
  B0 -> B2 fall
B2:
  B2 -> B3 true
B3: $1 = ready()
  B3 -> B5 true [$1]
  B3 -> B6 false [$1]
B4: go(); return (end)
  B4 -> exit return
B5:
  B5 -> B4 break
B6:
  B6 -> B7 fall
B7: cpu_relax()
  B7 -> B2 back
*/
void f(void)
{
	while (1) {
		if (ready())
			break;
		cpu_relax();
	}
	go();
}
