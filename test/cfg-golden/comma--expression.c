void f(void)
{
	if ((a(), b()))
		c();
}
