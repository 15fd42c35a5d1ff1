/*
B0:
  B0 -> B2 fall
B2:
  B2 -> B3 true
B3: $1 = poll()
  B3 -> B6 true [$1]
  B3 -> B7 false [$1]
B4:
  B4 -> B2 back
B5 (unreachable): return (end)
  B5 -> exit return
B6: return <const>
  B6 -> exit return
B7:
  B7 -> B8 fall
B8: relax()
  B8 -> B4 fall
*/
int f(void)
{
	for (;;) {
		if (poll())
			return 0;
		relax();
	}
}
