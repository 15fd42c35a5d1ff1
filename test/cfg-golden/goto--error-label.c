/*
B0: $1 = setup(); r := $1
  B0 -> B2 true [r]
  B0 -> B3 false [r]
B2:
  B2 -> B5 goto
B3:
  B3 -> B4 fall
B4: work()
  B4 -> B5 fall
B5: teardown(); return r
  B5 -> exit return
*/
int f(void)
{
	int r;

	r = setup();
	if (r)
		goto out;
	work();
out:
	teardown();
	return r;
}
