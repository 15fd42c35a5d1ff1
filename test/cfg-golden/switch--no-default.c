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
