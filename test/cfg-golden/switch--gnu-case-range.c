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
