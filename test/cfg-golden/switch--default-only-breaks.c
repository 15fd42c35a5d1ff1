void f(int x)
{
	switch (x) {
	case 0:
		a();
		break;
	default:
		break;
	}
	d();
}
