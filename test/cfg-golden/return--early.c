/*
B0:
  B0 -> B3 false [x]
  B0 -> B2 true [x]
B2: return <const>
  B2 -> exit return
B3:
  B3 -> B4 fall
B4: work(); return <const>
  B4 -> exit return
*/
int f(int x)
{
	if (!x)
		return -EINVAL;
	work();
	return 0;
}
