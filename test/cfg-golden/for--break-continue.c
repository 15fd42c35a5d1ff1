/*
B0: i := <const>
  B0 -> B2 fall
B2:
  B2 -> B3 true
  B2 -> B5 false
B3: $1 = skip(i)
  B3 -> B6 true [$1]
  B3 -> B7 false [$1]
B4: i := ?
  B4 -> B2 back
B5: done(); return (end)
  B5 -> exit return
B6:
  B6 -> B4 continue
B7:
  B7 -> B8 fall
B8: $2 = stop(i)
  B8 -> B9 true [$2]
  B8 -> B10 false [$2]
B9:
  B9 -> B5 break
B10:
  B10 -> B11 fall
B11: work(i)
  B11 -> B4 fall
*/
void f(int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (skip(i))
			continue;
		if (stop(i))
			break;
		work(i);
	}
	done();
}
