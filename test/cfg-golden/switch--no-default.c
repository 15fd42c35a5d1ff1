/*
B0:
  B0 -> B3 case [x]
  B0 -> B4 case [x]
  B0 -> B2 default [x]
B2: d(); return (end)
  B2 -> exit return
B3: a()
  B3 -> B2 break
B4: b()
  B4 -> B2 break
*/
void f(int x)
{
	switch (x) {
	case 0:
		a();
		break;
	case -2:
		b();
		break;
	}
	d();
}
