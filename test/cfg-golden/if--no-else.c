void f(int x)
{
	if (x < 0)
		b();
	d();
}
