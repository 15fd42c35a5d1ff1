/*
B0:
  B0 -> B3 case [x]
  B0 -> B4 case [x]
  B0 -> B5 default [x]
B2: return (end)
  B2 -> exit return
B3: a()
  B3 -> B2 break
B4: b()
  B4 -> B2 break
B5: c()
  B5 -> B2 fall
*/
void f(int x)
{
	switch (x) {
	case 0:
		a();
		break;
	case 5 ... 9:
		b();
		break;
	default:
		c();
	}
}
